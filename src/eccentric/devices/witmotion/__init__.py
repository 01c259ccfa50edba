"""WitMotion BWT901BLE / WT901BLECL (BLE 5.0): see README.md."""

from eccentric.devices.family import DeviceFamily
from eccentric.devices.witmotion import driver, encoder, peripheral, sensors

FAMILY = DeviceFamily(driver=driver.DRIVER_SPEC, encode=encoder.encode_session,
                      peripheral=peripheral.WitMotionPeripheral, sensors=(sensors.WITMOTION,))
