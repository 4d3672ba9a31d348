"""Session-state keys: every page reads and writes small ids under these names only."""

RUN_ID = "run_id"  # the run picked in the sidebar, shared by every page
JOB_PIDS = "job_pids"  # pids of the training jobs this browser session started
ADOPTED_JOBS = "adopted_jobs"  # of those, the finished ones whose run the sidebar has selected already
EXAMPLE_ID = "example_id"  # the example whose neighbours are shown
FRAME = "frame"  # the checkpoint (frame index) the example was picked at
LAST_CLICK = "last_click"  # the chart click already handled (so a rerun does not replay it)
ISSUE_PICK = "issue_pick"  # the suspected-mislabel row already handled
SCATTER = "epoch_scatter"  # the scatter component: its value is the last clicked point
NEXT_RUN_ID = "next_run_id"  # a run for the picker to select on the next rerun (set after the picker is drawn)
URL_SHOWN = "url_shown"  # the query parameters this session last wrote to (or read from) the URL
OPEN_AT_FRAME = "open_at_frame"  # a checkpoint index from a link: the scatter opens on it once
DRAWN_FRAMES = "drawn_frames"  # (run identity, method, mode) → the checkpoints of the last complete projection drawn
MEASURING = "measuring"  # the frame-metric tasks this session has started (hiddenrep.ui.frames)
IMPORTED = "imported_run"  # the run this session imported last (the Import page reports it)
# Animate, Compare and Words pages
TRACKED = "tracked"  # example ids followed on the Animate page, lettered A, B, C… in this order
LAST_TRACK_CLICK = "last_track_click"  # per component key: the click already added to a tracked list
ANIMATE = "animate_scatter"  # the Animate page's tweened scatter (its value is the last clicked point)
EXPORTS = "exports"  # export kinds ("gif", "mp4", "html") requested on the Animate page → their settings
COMPARE_RUN = "compare_run"  # the second run (B) on the Compare page; A is RUN_ID
COMPARE_SCATTER = "compare_scatter"  # the Compare page's side-by-side scatter
COMPARE_TWEEN = "compare_tween"  # the Compare page's A → B transition
WORDS_TRACKED = "words_tracked"  # words followed on the Words page
WORDS_SCATTER = "words_scatter"  # the Words page's tweened scatter
