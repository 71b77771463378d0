

def test_load_cfg_defaults_the_work_dir_to_the_config_name(tmp_path) -> None:
    from segplug.engine import load_cfg
    config = tmp_path / 'fcn_r18_1xb2-10i_x-64x64.py'
    config.write_text('train_cfg = dict(max_iters=10)\n')
    cfg = load_cfg(str(config), {'train_cfg.max_iters': 3})
    assert cfg.work_dir == './work_dirs/fcn_r18_1xb2-10i_x-64x64'
    assert cfg.train_cfg.max_iters == 3 and cfg.launcher == 'none'
    assert load_cfg(str(config), work_dir='/w').work_dir == '/w'
    config.write_text("work_dir = '/kept'\n")
    assert load_cfg(str(config)).work_dir == '/kept'
