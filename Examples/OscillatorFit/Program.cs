System.Console.WriteLine("OscillatorFit: coming with the training issue");
