"""Import / export: upload vectors recorded elsewhere as a run; download a run in a portable format."""

import streamlit as st

from hiddenrep.io import import_run
from hiddenrep.ui import state
from hiddenrep.ui.data import open_run, store
from hiddenrep.ui.transfer import (
    UPLOAD_TYPES,
    import_progress,
    parse_epochs,
    parse_names,
    run_downloads,
    run_summary,
    upload_limit_mb,
)

FORMATS_HELP = """
Give **one file per checkpoint** of the same examples (rows = examples), or **one zip** of them
(a download from the Export tab imports back as it is):

| format | one checkpoint is | ids, labels, text |
| --- | --- | --- |
| CSV / TSV | one numeric column per dimension (or `x`, `y` for points already in 2-D); header optional | columns `id` (or `example_id`), `label` or `labels` (`a\\|b`), `text`, `split` |
| NPY | a 2-D numeric array (never unpickled) | from the metadata table |
| Parquet | numeric columns, or one list column of vectors | as for CSV |
| TensorBoard projector | each tensor of `projector_config.pbtxt` (upload the config, its `.tsv`/`.bytes` tensors and `metadata.tsv`, or the folder zipped) | `metadata.tsv` |

**Metadata** (optional): a table with `id`, `text`, `label` or `labels`, `split` (`train` /
`validation`) and any other columns; upload it below or include a file named `metadata.csv` among
the files. Rows are joined by id when ids exist, else taken in order. **Order and epochs** come from
the file names (`epoch_3.csv`, `0002_epoch-1.5_step-40.csv`, a trailing number) unless you list them.
Every file is checked before anything is stored; a failed import leaves no run behind.
"""

st.title("Import / export")
imported = st.session_state.get(state.IMPORTED)
if imported is not None and store().exists(imported):
    st.success(f"Imported **{imported}**: {run_summary(open_run(imported))} It is now the selected run.")
    if st.button("Open it in Explore", type="primary", icon=":material/scatter_plot:"):
        st.switch_page("app_pages/explore.py")

import_tab, export_tab = st.tabs(["Import vectors", "Export a run"])
with import_tab:
    st.caption("Bring the hidden representations you recorded in your own training: every page then works "
               "on them as on a run trained here.")
    with st.expander("Accepted formats", expanded=imported is None):
        st.markdown(FORMATS_HELP)
    limit = upload_limit_mb()
    with st.form("import"):
        files = st.file_uploader("Checkpoint files (one per checkpoint), or one zip", type=UPLOAD_TYPES,
                                 accept_multiple_files=True, max_upload_size=limit,
                                 help=f"Up to {limit} MB per file. Larger runs: `hiddenrep import FOLDER "
                                      "--max-mb N` in a terminal.")
        metadata = st.file_uploader("Metadata table (optional)", type=["csv", "tsv", "parquet"],
                                    max_upload_size=limit)
        left, right = st.columns(2)
        run_id = left.text_input("Run id", placeholder="import-<first file name>",
                                 help="Letters, digits, '.', '_' and '-'; it names the run in the picker.")
        name = right.text_input("Dataset name", value="imported", help="Shown with the run.")
        epochs = left.text_input("Epochs (optional)", placeholder="e.g. 0, 1, 2 — default: from the file names",
                                 help="One per checkpoint file, in the order listed.")
        class_names = right.text_input("Class names (optional)", placeholder="e.g. negative, positive",
                                       help="Needed only when labels are integers 0, 1, … and you want names.")
        probe = st.toggle("Linear probe", value=True,
                          help="With labels: predictions from a 5-fold cross-validated logistic regression on "
                               "each checkpoint's vectors, so colouring by prediction and the label-quality "
                               "views work. Slower on large imports.")
        submitted = st.form_submit_button("Import", type="primary", icon=":material/upload:")

    if submitted and not files:
        st.warning("Add at least one checkpoint file (or a zip) first.")
    elif submitted:
        progress = st.empty()
        try:
            run = import_run(files, store=store(), metadata=metadata, run_id=run_id.strip() or None,
                             epochs=parse_epochs(epochs), class_names=parse_names(class_names),
                             name=name.strip() or "imported", max_bytes=limit * 2**20, probe=probe,
                             progress=import_progress(progress))
        except (ValueError, FileExistsError, RuntimeError) as error:  # InvalidImportError is a ValueError; a
            # RuntimeError: the runs directory is unusable, or another process writes this run id
            progress.empty()
            st.error(f"**Nothing was imported.** {error}", icon=":material/error:")
        else:
            st.session_state[state.IMPORTED] = st.session_state[state.NEXT_RUN_ID] = run.id
            st.rerun()  # the sidebar picker selects the new run

with export_tab:
    selected = st.session_state.get(state.RUN_ID)
    if selected is None:
        st.info("No run to export yet: import one, or train one on the **Train** page.")
    else:
        run = open_run(selected)
        st.markdown(f"**{run.id}** ({run.status}, {len(run.checkpoints)} checkpoints): the hidden vectors of "
                    "every checkpoint plus a metadata table. Choose another run in the sidebar. The Explore page "
                    "also downloads the projection on screen and its tables.")
        if run.checkpoints:
            run_downloads(run, key="export-page")
