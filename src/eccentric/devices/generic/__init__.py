"""Any sensor a TOML file describes (DIY bands): see README.md. No simulator specs: its
emulated device streams another sensor's recording in the configured layout."""

from eccentric.devices.family import DeviceFamily
from eccentric.devices.generic import driver, encoder, peripheral

FAMILY = DeviceFamily(driver=driver.DRIVER_SPEC, encode=encoder.encode_session,
                      peripheral=peripheral.GenericPeripheral)
