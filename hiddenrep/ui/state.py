"""Session-state keys: every page reads and writes small ids under these names only."""

RUN_ID = "run_id"  # the run picked in the sidebar, shared by every page
JOB_PIDS = "job_pids"  # pids of the training jobs this browser session started
EXAMPLE_ID = "example_id"  # the example whose neighbours are shown
FRAME = "frame"  # the checkpoint (frame index) the example was picked at
LAST_CLICK = "last_click"  # the chart click already handled (so a rerun does not replay it)
ISSUE_PICK = "issue_pick"  # the suspected-mislabel row already handled
SCATTER = "epoch_scatter"  # the scatter component: its value is the last clicked point
