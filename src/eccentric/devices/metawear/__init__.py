"""MbientLab MetaWear / MetaMotion (BMI160, BMI270): see README.md."""

from eccentric.devices.family import DeviceFamily
from eccentric.devices.metawear import driver, encoder, peripheral, sensors

FAMILY = DeviceFamily(driver=driver.DRIVER_SPEC, encode=encoder.encode_session,
                      peripheral=peripheral.MetaWearPeripheral,
                      sensors=(sensors.METAMOTION, sensors.METAMOTION_S))
