"""The command line and what only it wires together: sub-commands, live BLE runner, demo,
dashboard server, input opening.
"""
