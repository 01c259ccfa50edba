from eccentric.app.cli import main

raise SystemExit(main())
