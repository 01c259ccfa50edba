"""Files in and out: the recording format, its reader and writer, CSV and MetaWear CSV
import, JSON-lines and console sinks.
"""
