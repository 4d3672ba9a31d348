from hiddenrep.cli import main


def test_train_then_list(tmp_path, capsys):
    assert main(["train", "--dataset", "synthetic", "--epochs", "1", "--hidden", "8", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "synthetic-ffnn-" in out and "complete, 2 checkpoints" in out
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    assert "complete" in capsys.readouterr().out


def test_empty_store_says_how_to_start(tmp_path, capsys):
    assert main(["runs", "--runs-dir", str(tmp_path)]) == 0
    assert "hiddenrep train" in capsys.readouterr().out


def test_datasets_lists_builtins(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "movie-sentences" in out and "mnist-5k" in out and "vaderSentiment==3.3.2" in out


def test_bad_input_is_a_message_not_a_traceback(tmp_path, capsys):
    assert main(["train", "--dataset", "synthetic", "--model", "cnn", "--runs-dir", str(tmp_path)]) == 2
    assert "needs image input" in capsys.readouterr().err
