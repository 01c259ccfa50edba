"""One athlete's stream: the pipeline (timing → attitude → detector → sets), tempo, set
tracking, start-pose recovery after gaps, and the one drive loop that feeds sinks.
"""
