"""The writer lock makes a second writer wait, then fail with a message that says what to do."""

import pytest

from orchestration.warehouse.lock import WarehouseBusy, writer_lock


def test_second_writer_times_out_with_a_clear_message(tmp_path):
    build = tmp_path / "w.build.duckdb"
    with writer_lock(build):
        with pytest.raises(WarehouseBusy, match="another crowdout process is writing"):
            with writer_lock(build, timeout_s=0.3):
                pass
    with writer_lock(build, timeout_s=0.3):
        pass
