"""Running a dataflow: job context, trace, error file and the runner."""
