System.Console.WriteLine("MatFac: coming with the training issue");
