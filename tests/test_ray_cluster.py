"""The Ray engine on a simulated two-node cluster (ray.cluster_utils.Cluster: a head and a worker node of one CPU
each, both on this machine), reached through --ray-address as a real cluster is: one actor per node, real
Arabic lines with the seed glossary, byte for byte against --engine local. Slow: about 45 s on 2 cores."""

from __future__ import annotations

import pytest

ray = pytest.importorskip("ray")  # the `ray` extra (.ci/run installs it)

from ray.cluster_utils import Cluster  # noqa: E402

from tests.ray_support import GLOSSARY, arabic_lines, ending_ct2_model, write_lines  # noqa: E402

pytestmark = pytest.mark.slow
LINES = 640


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ending_ct2_model(tmp_path_factory.mktemp("cluster-models"))


@pytest.fixture(scope="module")
def cluster():
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes.add_node(num_cpus=1)
    nodes.wait_for_nodes()
    yield nodes
    if ray.is_initialized():
        ray.shutdown()
    nodes.shutdown()


def test_two_nodes_equal_local_byte_for_byte(model, cluster, tmp_path, run_cli):
    source = write_lines(tmp_path / "corpus.ar.txt", arabic_lines(LINES))
    common = ("--to", "en", "-m", str(model), "-g", str(GLOSSARY), "--batch-lines", "32")
    code, _, err = run_cli("translate", source, *common, "--engine", "local", "-q", "-o", tmp_path / "local.txt")
    assert code == 0, err
    code, _, err = run_cli(
        "translate", source, *common, "--engine", "ray", "--ray-address", cluster.address, "-o", tmp_path / "ray.txt"
    )
    assert code == 0, err
    assert (tmp_path / "ray.txt").read_bytes() == (tmp_path / "local.txt").read_bytes()
    assert len((tmp_path / "ray.txt").read_text(encoding="utf-8").split("\n")) == LINES + 1
    actors = [line for line in err.splitlines() if line.startswith("mt:   ") and "tokens/s" in line]
    assert len(actors) == 2  # one actor per one-CPU node: both nodes translated
    assert not ray.is_initialized()  # the engine disconnected from the cluster it was pointed at
