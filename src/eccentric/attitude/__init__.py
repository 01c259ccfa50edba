"""From IMU samples to a body segment's inclination: attitude fusion (imufusion),
stillness, the calibrated start pose, tilt from it.
"""
