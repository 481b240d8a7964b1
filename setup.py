"""Package layout that pyproject.toml cannot express: ship the top-level rtl_templates/ and sim/
folders inside the wheel as ``hwgen/rtl_templates`` and ``hwgen/sim`` (see hwgen.tools.package_dir).
"""

from setuptools import find_packages, setup

MAPPED = {"hwgen.rtl_templates": "rtl_templates", "hwgen.sim": "sim"}

setup(
    packages=find_packages(include=["hwgen", "hwgen.*", "flows", "flows.*"]) + list(MAPPED),
    package_dir=MAPPED,
    package_data={
        "hwgen": ["data/*", "data/**/*", "targets.toml", "hls/include/*.h"],
        "hwgen.rtl_templates": ["*.v", "*.sv", "*.vh", "*.md"],
        "hwgen.sim": ["*.py", "*.v", "*.sv", "*.md", "*.cpp", "*.h"],
        "flows": ["*.md", "**/*.md"],
    },
    include_package_data=False,
)
