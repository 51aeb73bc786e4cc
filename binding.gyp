{
  "variables": { "mlpe_cflags": ["-O3", "-std=c++17", "-fexceptions"] },
  "target_defaults": {
    "include_dirs": ["native/core", "<!(node -p \"require('node-addon-api').include_dir\")"],
    "cflags_cc": ["<@(mlpe_cflags)"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
                "NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED", "MLPE_CUDA_REASON=\"built without CUDA: node-gyp builds the CPU path only\""]
  },
  "targets": [
    {
      "target_name": "mlpe_avx512",
      "type": "static_library",
      "sources": ["<!@(node scripts/gyp-sources.cjs avx512)"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512bw", "-mavx512dq", "-mfma", "-mavx2", "-ffp-contract=off"]
    },
    {
      "target_name": "mlpe_avx2",
      "type": "static_library",
      "sources": ["<!@(node scripts/gyp-sources.cjs avx2)"],
      "cflags_cc": ["-mavx2", "-mfma", "-ffp-contract=off"]
    },
    {
      "target_name": "mlp_energy",
      "dependencies": ["mlpe_avx512", "mlpe_avx2"],
      "sources": ["<!@(node scripts/gyp-sources.cjs core)", "<!@(node scripts/gyp-sources.cjs addon)"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
