"""An emulated BlueZ (``org.bluez`` on a private D-Bus) whose devices stream simulated
sessions in real device protocols, so ``bleak`` and the live command run unmodified in
tests and benchmarks. See docs/ble.md."""
