import sys

from twostep.cli.main import main

sys.exit(main())
