"""Writes fixtures/safetensors/python_written.safetensors with the reference implementation.

SafetensorsTests.testReadsFileWrittenByPython checks Glimpse's reader against the values below
(hard-coded there too). CI never runs this script. To regenerate (safetensors 0.8.0, numpy 2.4.6):

    python3 -m venv /tmp/stvenv && /tmp/stvenv/bin/pip install safetensors==0.8.0 numpy==2.4.6
    /tmp/stvenv/bin/python Tests/GlimpseTensorTests/reference/make_safetensors_fixture.py

numpy has no bfloat16, so the BF16 tensor is given to the package's own serializer as raw bit
patterns (the top 16 bits of the Float32 values); the package writes the header and layout.
"""

from pathlib import Path

import numpy as np
from safetensors import TensorSpec, safe_open, serialize_file

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "fixtures" / "safetensors" / "python_written.safetensors"

arrays = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),  # [[0, 1, 2], [3, 4, 5]]
    "f64": np.array([1.5, -2.0, 3.0], dtype=np.float64),
    # 65504 is F16's largest finite value, 2**-24 its smallest subnormal.
    "f16": np.array([[0.5, -1.25], [65504.0, 2.0**-24]], dtype=np.float16),
    "layer.num_batches_tracked": np.array(7, dtype=np.int64),  # 0-d, as PyTorch BatchNorm
    "empty": np.zeros((0, 4), dtype=np.float32),
}
# 1.0, -2.5, 3.140625 in BF16: exactly representable, so they read back exactly.
bf16_bits = np.array([0x3F80, 0xC020, 0x4049], dtype=np.uint16)
metadata = {"format": "np", "config": '{"hidden_size": 4, "name": "tiny"}'}

specs = {
    name: TensorSpec(
        dtype=array.dtype.name,
        shape=list(array.shape),
        data_ptr=array.ctypes.data,
        data_len=array.nbytes,
    )
    for name, array in arrays.items()
}
specs["bf16"] = TensorSpec(
    dtype="bfloat16", shape=[3], data_ptr=bf16_bits.ctypes.data, data_len=bf16_bits.nbytes
)
OUT.parent.mkdir(parents=True, exist_ok=True)
serialize_file(specs, str(OUT), metadata=metadata)

# Read back with the package itself as a sanity check (numpy cannot hold the BF16 tensor).
with safe_open(str(OUT), framework="np") as f:
    assert f.metadata() == metadata
    for name, array in arrays.items():
        loaded = f.get_tensor(name)
        assert loaded.dtype == array.dtype and np.array_equal(loaded, array), name
print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size} bytes)")
