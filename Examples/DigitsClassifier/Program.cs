System.Console.WriteLine("DigitsClassifier: coming with the training issue");
