"""In-process test harness for the pipeline: scripted providers, an in-memory store, fake time."""
