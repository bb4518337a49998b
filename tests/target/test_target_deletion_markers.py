"""Deletion markers from a source (`_sdc_deleted_at`) are skipped and counted, never written.

Our tap signals a row deleted in ActiveCampaign as a record with its key and `_sdc_deleted_at`
set, other columns null. Piped into this target (a round trip, or a warehouse that keeps
the markers) such a record is neither a contact to create nor a reject: it is skipped.
"""

from __future__ import annotations

from target_helpers import TOKEN, run_target, stream_messages, writes


def test_a_deleted_contact_is_skipped_not_rejected_nor_written(sandbox_factory, tmp_path):
    sb = sandbox_factory(token=TOKEN, contacts=0, import_delay_s=0.05)
    records = [
        {"id": "7", "email": None, "firstName": None, "_sdc_deleted_at": "2026-12-03T08:00:00Z"},
        {"id": "8", "email": "kept@example.com", "firstName": "Kept", "_sdc_deleted_at": None},
    ]
    result = run_target(sb.api_url, stream_messages("contacts", records, ["id"]), tmp_path)
    assert result.rejects == []
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)
    assert [c["email"] for c in sb.dump("contacts")] == ["kept@example.com"]


def test_a_deleted_tag_link_sends_no_request(sandbox_factory, tmp_path):
    sb = sandbox_factory(token=TOKEN, contacts=5)
    sb.reset_stats()
    marker = {"id": "3", "contact": None, "tag": None, "_sdc_deleted_at": "2026-12-03T08:00:00Z"}
    messages = stream_messages("contact_tags", [marker], ["id"])
    result = run_target(sb.api_url, messages, tmp_path, id_translation="off")
    assert result.rejects == [] and result.ledger["skipped"] == 1
    assert writes(sb.stats()) == {}
