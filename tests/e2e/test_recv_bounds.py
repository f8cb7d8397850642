"""recv(..) = * has a result even when nothing comes: the wait is bounded
below the step's own bound, so "whatever the peer does" can include
"nothing" (restart-check's clients rely on it)."""

SILENT = """\
host server 10.0.0.1
host client 10.0.0.2
server: s = socket(tcp)
server: bind(s, 10.0.0.1:8080)
server: listen(s)
client: c = socket(tcp)
client: connect(c, 10.0.0.1:8080)
server: a = accept(s)
client: recv(c, 64) = *
client: recv(c, 64, eof) = *
server: send(a, "late\\n")
client: recv(c, 64) = "late\\n"
"""


def test_a_recv_of_anything_gives_eagain_when_nothing_comes(run, tmp_path):
    scn = tmp_path / "silent.scn"
    scn.write_text(SILENT)
    r = run(scn, "--timeout", "400ms")
    assert r.rc == 0, r
    recvs = [e for e in r.run["events"] if e["kind"] == "call" and "recv(c" in e["text"]]
    assert [(e["ret"], e["errno"]) for e in recvs] == [(-1, "EAGAIN"), (-1, "EAGAIN"),
                                                       (5, None)]
    # it waited (3/4 of the step's 400 ms), and the step did not fail
    assert all(e["dur_ns"] >= 250e6 for e in recvs[:2]), recvs
