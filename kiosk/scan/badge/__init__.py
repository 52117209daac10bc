"""Pure badge payload parsing: text in, contact out. No OpenCV, no files, no network here, so
every parser can be fuzzed and table-tested in isolation."""
