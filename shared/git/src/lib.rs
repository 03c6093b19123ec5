//! Git clone, fetch and checkout for sources (gix), ref resolution, commit verification; push through the git CLI.
