"""Polar PMD (Verity Sense, H10): see README.md."""

from eccentric.devices.family import DeviceFamily
from eccentric.devices.polar_pmd import driver, encoder, peripheral, sensors

FAMILY = DeviceFamily(driver=driver.DRIVER_SPEC, encode=encoder.encode_session,
                      peripheral=peripheral.PolarPeripheral,
                      sensors=(sensors.POLAR_VERITY_SENSE,), excluded_sensors=sensors.EXCLUDED)
