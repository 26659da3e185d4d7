"""Serving decode requests: requests to one leg share a decode, answers come back per request and in order."""

from __future__ import annotations

from mt.backends.base import Hypothesis
from mt.decoding.batching import DecodeRequest, Running, run, serve


class _EchoLeg:
    """A leg whose decode returns each source (after its prefix) as the hypothesis; records its calls."""

    def __init__(self):
        self.calls = []

    def decode(self, sources, prefixes=None, suppress=None, return_attention=False):
        self.calls.append((len(sources), prefixes, suppress, return_attention))
        return [Hypothesis(list(prefixes[k] if prefixes else []) + list(s), 0.0, True) for k, s in enumerate(sources)]


def test_requests_to_one_leg_share_a_decode():
    leg, other = _EchoLeg(), _EchoLeg()
    requests = [
        DecodeRequest(leg, [["a"], ["b"]]),
        DecodeRequest(other, [["x"]]),
        DecodeRequest(leg, [["c"]], prefixes=[["p"]], suppress=[[["q"]]], attention=True, repair=True),
        DecodeRequest(leg, []),
    ]
    answers = serve(requests)
    assert [[h.pieces for h in a] for a in answers] == [[["a"], ["b"]], [["x"]], [["p", "c"]], []]
    # one call for the three sources of `leg`: free sources get empty prefixes and suppress lists
    assert leg.calls == [(3, [[], [], ["p"]], [[], [], [["q"]]], True)]
    assert other.calls == [(1, None, None, False)]


def test_run_and_running_serve_a_generator_to_its_result():
    leg = _EchoLeg()

    def steps():
        first = yield DecodeRequest(leg, [["a"]])
        second = yield DecodeRequest(leg, [["b"]], prefixes=[first[0].pieces])
        return second[0].pieces

    assert run(steps()) == ["a", "b"]
    one, two = Running(steps(), payload=1), Running(steps(), payload=2)
    Running.step([one, two])  # both first requests in one call
    assert leg.calls[-1][0] == 2
    Running.step([one, two])
    assert one.done and two.done and one.result == two.result == ["a", "b"]
