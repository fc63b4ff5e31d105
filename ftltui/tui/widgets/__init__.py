"""One widget per file: the four panes and their parts."""
