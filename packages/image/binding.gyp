{
  "targets": [
    {
      "target_name": "tessera_jpeg",
      "sources": ["native/tessera-jpeg.c"],
      "cflags_c": ["-O3", "-std=c11", "-D_GNU_SOURCE"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl", "-lpthread", "-lm"] }],
        ["OS=='mac'", { "xcode_settings": { "OTHER_CFLAGS": ["-O3"] } }]
      ]
    }
  ]
}
