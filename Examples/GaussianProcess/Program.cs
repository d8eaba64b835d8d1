// Fit a Gaussian process to noisy measurements of a damped oscillator: the kernel's hyperparameters are learned by
// gradient descent on the exact marginal likelihood, through Linalg.Cholesky and Linalg.TriangularSolve.
// Run: dotnet run --project Examples/GaussianProcess [-- --fast] [--out DIR]
return GaussianProcess.GaussianProcessExample.Run(args);
