"""What etcdctl and etcdutl print, and the etcd manifest edits of the runbook."""

import json

import pytest
from kubernetes.client.exceptions import ApiException

from kindchaos.cluster.etcd import parse_endpoint_status, parse_member_list
from kindchaos.cluster.etcd_tools import container_flags, data_dir, restore_command, with_data_dir, with_flag
from kindchaos.observe.timeline import error_text

STATUS = (
    '[{"Endpoint":"https://172.18.0.4:2379","Status":{"header":{"cluster_id":1,"member_id":11,"revision":573,'
    '"raft_term":2},"version":"3.6.5","dbSize":1241088,"leader":12,"raftIndex":598,"raftTerm":2,'
    '"raftAppliedIndex":598,"dbSizeInUse":1228800}},'
    '{"Endpoint":"https://172.18.0.5:2379","Status":{"header":{"cluster_id":1,"member_id":12,"revision":574,'
    '"raft_term":2},"dbSize":1,"leader":12,"raftIndex":599,"raftTerm":2,"dbSizeInUse":1}}]'
)
MEMBERS = (
    '{"header":{"cluster_id":1,"member_id":11,"raft_term":2},"members":[{"ID":11,"name":"kc-control-plane",'
    '"peerURLs":["https://172.18.0.4:2380"],"clientURLs":["https://172.18.0.4:2379"]},'
    '{"ID":12,"name":"kc-control-plane2","peerURLs":["https://172.18.0.5:2380"]}]}'
)
MANIFEST = {
    "spec": {
        "containers": [
            {
                "command": [
                    "etcd",
                    "--data-dir=/var/lib/etcd",
                    "--initial-advertise-peer-urls=https://172.18.0.4:2380",
                    "--initial-cluster=kc-control-plane=https://172.18.0.4:2380",
                    "--name=kc-control-plane",
                ]
            }
        ],
        "volumes": [
            {"name": "etcd-certs", "hostPath": {"path": "/etc/kubernetes/pki/etcd"}},
            {"name": "etcd-data", "hostPath": {"path": "/var/lib/etcd", "type": "DirectoryOrCreate"}},
        ],
    }
}


def test_endpoint_status_names_the_leader_and_revisions() -> None:
    first, second = parse_endpoint_status(STATUS)
    assert (first.member_id, first.leader, first.revision, first.db_size) == (11, 12, 573, 1241088)
    assert not first.is_leader and second.is_leader and second.raft_index == 599


def test_member_list_keeps_names_and_urls() -> None:
    members = parse_member_list(MEMBERS)
    assert [m.name for m in members] == ["kc-control-plane", "kc-control-plane2"]
    assert members[1].client_urls == () and members[0].peer_urls == ("https://172.18.0.4:2380",)


def test_flags_are_set_replaced_and_removed_without_touching_the_original() -> None:
    lowered = with_flag(MANIFEST, "quota-backend-bytes", "1000")
    assert container_flags(lowered)["quota-backend-bytes"] == "1000"
    assert container_flags(with_flag(lowered, "quota-backend-bytes", "2000"))["quota-backend-bytes"] == "2000"
    assert "quota-backend-bytes" not in container_flags(with_flag(lowered, "quota-backend-bytes", None))
    assert "quota-backend-bytes" not in container_flags(MANIFEST)


def test_a_restore_points_the_data_volume_at_the_new_directory_only() -> None:
    moved = with_data_dir(MANIFEST, "/var/lib/etcd-restored")
    assert data_dir(moved) == "/var/lib/etcd-restored" and data_dir(MANIFEST) == "/var/lib/etcd"
    assert container_flags(moved)["data-dir"] == "/var/lib/etcd"
    assert moved["spec"]["volumes"][0] == MANIFEST["spec"]["volumes"][0]


def test_the_restore_keeps_the_members_identity_and_bumps_revisions() -> None:
    command = " ".join(restore_command("/b/s.db", "/var/lib/etcd-r", container_flags(MANIFEST)))
    assert "--name kc-control-plane " in command
    assert "--initial-cluster kc-control-plane=https://172.18.0.4:2380 " in command
    assert "--initial-advertise-peer-urls https://172.18.0.4:2380 " in command
    assert command.endswith("--bump-revision 1000000000 --mark-compacted")


def test_an_api_error_names_the_status_message() -> None:
    exc = ApiException(status=500, reason="Internal Server Error")
    exc.body = json.dumps({"kind": "Status", "message": "etcdserver: mvcc: database space exceeded"})
    assert error_text(exc) == "HTTP 500 Internal Server Error: etcdserver: mvcc: database space exceeded"
    plain = ApiException(status=403, reason="Forbidden")
    assert error_text(plain) == "HTTP 403 Forbidden"


@pytest.mark.parametrize("body", ["not json", b"\x00", None])
def test_an_api_error_without_a_status_body_is_still_one_line(body: object) -> None:
    exc = ApiException(status=503, reason="Service Unavailable")
    exc.body = body
    assert error_text(exc) == "HTTP 503 Service Unavailable"
