// The API documentation page: every operation of /openapi.json with its parameters and body schema. Nothing
// is loaded from outside the server.
"use strict";

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

function resolve(spec, schema) {
  while (schema && schema.$ref) schema = schema.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
  return schema || {};
}

function typeOf(spec, schema) {
  schema = resolve(spec, schema);
  if (schema.anyOf) return schema.anyOf.map((s) => typeOf(spec, s)).join(" or ");
  if (schema.type === "array") return `list of ${typeOf(spec, schema.items)}`;
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  return schema.type || "object";
}

function fieldsTable(spec, rows) {
  const table = element("table");
  const head = table.createTHead().insertRow();
  for (const title of ["field", "type", "description"]) head.append(element("th", title));
  const body = table.createTBody();
  for (const [name, schema, required] of rows) {
    const tr = body.insertRow();
    tr.append(element("td", name + (required ? " *" : "")), element("td", typeOf(spec, schema)),
              element("td", resolve(spec, schema).description || schema.description || ""));
  }
  return table;
}

function operation(spec, path, method, op) {
  const section = element("section");
  section.id = `${method}-${path}`;
  section.append(element("h2", `${method.toUpperCase()} ${path}`), element("p", op.summary || ""));
  const params = (op.parameters || []).map((p) => [`${p.name} (${p.in})`, p.schema, p.required]);
  const content = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  const body = content ? resolve(spec, content.schema) : null;
  const rows = params.concat(body && body.properties
    ? Object.entries(body.properties).map(([name, s]) => [name, s, (body.required || []).includes(name)]) : []);
  if (rows.length) section.append(fieldsTable(spec, rows));
  else if (method === "post") section.append(element("p", "Fields: JSON or form body, as LibreTranslate's (docs/serve.md).", "hint"));
  return section;
}

async function start() {
  const main = document.getElementById("endpoints");
  try {
    const spec = await (await fetch("/openapi.json")).json();
    main.textContent = "";
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(methods)) main.append(operation(spec, path, method, op));
    }
    document.body.dataset.ready = "true";
  } catch (error) {
    main.textContent = `Cannot read /openapi.json: ${error.message}`;
  }
}

document.addEventListener("DOMContentLoaded", start);
