"""Movesense with the gatt_sensordata_app firmware: see README.md."""

from eccentric.devices.family import DeviceFamily
from eccentric.devices.movesense import driver, encoder, peripheral, sensors

FAMILY = DeviceFamily(driver=driver.DRIVER_SPEC, encode=encoder.encode_session,
                      peripheral=peripheral.MovesensePeripheral, sensors=(sensors.MOVESENSE,))
