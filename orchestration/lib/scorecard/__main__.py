"""`python -m orchestration.lib.scorecard [MARTS_DB [OUT_DIR]]`: render the scorecard."""

from . import main

raise SystemExit(main())
