"""Print the environment report (``python -m segplug.utils.collect_env`` does the same)."""

from segplug.utils.collect_env import main

if __name__ == '__main__':
    main()
