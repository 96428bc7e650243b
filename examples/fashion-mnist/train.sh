#!/bin/sh
# The commands that trained the models in this folder (README.md, "Reproducing"),
# run from a build of sweetspot on a Debian 12 machine with
# dataset-fashion-mnist installed. Writes to ./models, not over the shipped files.
#   usage: examples/fashion-mnist/train.sh [SWEETSPOT_BINARY]
set -eu
B=${1:-build/release/apps/sweetspot/sweetspot}
D=/usr/share/datasets/fashion-mnist
mkdir -p models
"$B" train --data $D/train --test-data $D/t10k --family cnn --presets nano --epochs 10 --out models
"$B" train --data $D/train --test-data $D/t10k --family resnet --presets small,medium,large --epochs 8 --out models
# The pruned lightweight version of the large model: a third of its channels
# removed by L1 norm, then fine-tuned (docs/train.md, "--prune").
"$B" train --data $D/train --test-data $D/t10k --prune 0.33 --from models/resnet-large.onnx --epochs 10 --out models
