"""The cycle collector in serving and bulk work (ADR 0042).

Each case runs in a child interpreter: settling freezes the whole process's heap for good, which
the test process itself must not suffer."""

import json
import subprocess
import sys
import textwrap


def _run(code: str) -> dict[str, object]:
    ran = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return dict(json.loads(ran.stdout))


def test_a_settled_process_sets_what_it_has_loaded_aside_from_full_collections() -> None:
    seen = _run(
        """
        import gc, json
        from fingerpost.entrypoints.heap import settle, settled
        before = gc.get_freeze_count()
        settle()
        print(json.dumps({"before": before, "after": gc.get_freeze_count(), "settled": settled()}))
        """
    )
    assert seen["before"] == 0
    assert isinstance(seen["after"], int)
    assert seen["after"] > 1_000
    assert seen["settled"] is True


def test_bulk_work_in_a_settled_process_keeps_the_heap_aside_and_restores_thresholds() -> None:
    seen = _run(
        """
        import gc, json
        from fingerpost.entrypoints.heap import BULK_THRESHOLDS, bulk_memory, settle
        settle()
        frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
        with bulk_memory():
            during = gc.get_threshold()
        print(json.dumps({
            "frozen_kept": gc.get_freeze_count() >= frozen,
            "during": list(during), "bulk": list(BULK_THRESHOLDS),
            "restored": gc.get_threshold() == thresholds,
        }))
        """
    )
    assert seen["frozen_kept"] is True  # not handed back to every full collection
    assert seen["during"] == seen["bulk"]
    assert seen["restored"] is True


def test_bulk_work_in_a_process_that_has_not_settled_freezes_only_while_the_last_job_runs() -> None:
    seen = _run(
        """
        import gc, json
        from fingerpost.entrypoints.heap import bulk_memory
        thresholds = gc.get_threshold()
        with bulk_memory():
            outer = gc.get_freeze_count()
            with bulk_memory():  # a second batch at once (another thread at the hub)
                pass
            still = gc.get_freeze_count()
        print(json.dumps({
            "outer": outer, "still": still, "after": gc.get_freeze_count(),
            "restored": gc.get_threshold() == thresholds,
        }))
        """
    )
    assert isinstance(seen["outer"], int)
    assert seen["outer"] > 0
    assert seen["still"] == seen["outer"]  # the inner job's end does not thaw the outer's
    assert seen["after"] == 0
    assert seen["restored"] is True


def test_the_serving_commands_settle_before_they_serve(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from fingerpost.entrypoints import deploy_cli, heap

    order: list[str] = []
    monkeypatch.setattr(heap, "settle", lambda: order.append("settle"))
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: order.append("serve"))

    class _Settings:
        host, port, log_level = "127.0.0.1", 1, "warning"

    class _Fp:
        settings = _Settings()

    deploy_cli._serve(object(), _Fp(), None, None, "hub", "test")  # type: ignore[arg-type]
    assert order == ["settle", "serve"]
