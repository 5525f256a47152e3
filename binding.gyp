{
  "targets": [
    {
      "target_name": "mlv_native",
      "sources": ["native/scan.c", "native/writer.c", "native/copy.c", "native/spawn.c", "native/sync.c", "native/dirs.c"],
      "cflags": ["-O2", "-Wall"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
