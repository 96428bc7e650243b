// Writes the untrained demo CNN: `write_tiny_cnn OUT.onnx`.
#include <cstdio>

#include "sweetspot/onnx_model.h"
#include "tiny_models.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.onnx\n", argv[0]);
    return 2;
  }
  const auto status = sweetspot::SaveOnnxModel(sweetspot::examples::TinyCnn(), argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
