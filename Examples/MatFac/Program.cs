// Matrix factorisation in the spirit of MatFac.jl: a low-rank model of a partially observed, noisy matrix with a
// few grossly corrupted entries, fitted with a robust loss that has its own differentiation rule (Rule.Define),
// L2 regularisation and Adam. Reports the error on the entries that were never observed.
// Run: dotnet run --project Examples/MatFac [-- --fast] [--out DIR]
return MatFac.MatFacExample.Run(args);
