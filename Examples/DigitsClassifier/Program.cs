// A small multilayer perceptron on the UCI optical handwritten digits (8x8, 1797 images, shipped in data/),
// trained with minibatches, Adam and a whole training step compiled into one graph; reports held-out accuracy.
// Run: dotnet run --project Examples/DigitsClassifier [-- --fast] [--out DIR]
// Data-parallel over MPI: mpirun -np 2 dotnet Examples/DigitsClassifier/bin/Debug/net10.0/DigitsClassifier.dll --distributed
return DigitsClassifier.DigitsExample.Run(args);
