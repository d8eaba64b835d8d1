// A small convolutional network on the UCI optical handwritten digits (8x8, 1797 images, the data of
// Examples/DigitsClassifier): two 3x3 convolutions with max-pooling, dropout, AdamW, and the whole training step
// compiled into one graph; reports held-out accuracy on the same split as the MLP example.
// Run: dotnet run --project Examples/DigitsCnn [-- --fast] [--out DIR]
return DigitsCnn.DigitsCnnExample.Run(args);
