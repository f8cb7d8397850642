"""The pcap files bindlab writes are what tcpdump sees: the same packets
with the same flags, in the same order, as the report."""
import re
import subprocess

import pytest

from conftest import have


def tcpdump_packets(path):
    p = subprocess.run(["tcpdump", "-nn", "-r", str(path), "tcp or udp"], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    out = []
    for line in p.stdout.splitlines():
        m = re.search(r"IP6? (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]+)\]", line)
        if m:
            out.append((f"{m[1]}:{m[2]}", f"{m[3]}:{m[4]}", m[5]))
    return out


@pytest.mark.skipif(not have("tcpdump"), reason="tcpdump is not installed")
def test_pcap_holds_exactly_the_reported_packets(run, tmp_path):
    out = tmp_path / "pcap"
    r = run("scenarios/timewait/server-closes-first.scn", "--pcap", out)
    assert r.rc == 0, r
    names = sorted(p.name for p in out.iterdir())
    assert names == ["server-closes-first-client-lo.pcap", "server-closes-first-client-veth0.pcap",
                     "server-closes-first-server-lo.pcap", "server-closes-first-server-veth0.pcap"]
    with open(out / "server-closes-first-server-veth0.pcap", "rb") as f:
        assert f.read(4) == bytes.fromhex("4d3cb2a1")  # nanosecond pcap
    reported = [(e["src"], e["dst"], e["flags"]) for e in r.run["events"]
                if e["kind"] == "packet"]
    assert reported, r
    assert tcpdump_packets(out / "server-closes-first-server-veth0.pcap") == reported
    # the peer's end of the veth saw the same packets
    assert tcpdump_packets(out / "server-closes-first-client-veth0.pcap") == reported
