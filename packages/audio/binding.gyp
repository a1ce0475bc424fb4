{
  "targets": [
    {
      "target_name": "tessera_audio",
      "sources": ["native/tessera-audio.c"],
      "include_dirs": ["native/minimp3"],
      "cflags_c": ["-O3", "-std=gnu11", "-fwrapv"],
      "conditions": [
        ["OS=='mac'", { "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-fwrapv"] } }]
      ]
    }
  ]
}
