"""Headless Chromium for the browser checks in scripts/ (check_viewer.py, check_terrain_cesium.py).

Debian's chromium + chromium-driver with software WebGL (SwiftShader), no proxy, so a page served on 127.0.0.1 renders
CesiumJS and MapLibre without a GPU. Needs selenium (pip).
"""
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
         "--ignore-gpu-blocklist", "--no-proxy-server"]


def chrome(width, height, timeout, logs=False):
    """A driver with a window of width × height, a script timeout of `timeout` s and, with `logs`, the browser and
    performance logs (every request) recorded."""
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for f in FLAGS + [f"--window-size={width},{height}"]:
        o.add_argument(f)
    if logs:
        o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    # Software WebGL on a loaded machine can hold the page's thread for long frames.
    drv.set_script_timeout(timeout)
    return drv
