{
  "targets": [
    {
      "target_name": "tsdsm_native",
      "sources": ["src/tsdsm_native.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
