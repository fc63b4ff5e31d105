from ftltui.cli import main

raise SystemExit(main())
