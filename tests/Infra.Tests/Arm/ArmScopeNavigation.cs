namespace Afirgen.TaskProcessor.Infra.Tests.Arm;

public static class ArmScopeNavigation
{
    /// <summary>The instances of a module (one per copy index) declared with this symbolic name.</summary>
    public static IReadOnlyList<ArmResource> Modules(this ArmScope scope, string symbol) =>
        scope.Resources().Where(r => r.Symbol == symbol).ToList() is { Count: > 0 } found
            ? found
            : throw new KeyNotFoundException($"No module '{symbol}' in the template.");

    /// <summary>The single instance of a module, entered.</summary>
    public static ArmScope Module(this ArmScope scope, string symbol) => scope.Modules(symbol).Single().Module();

    public static IReadOnlyList<ArmResource> OfType(this ArmScope scope, string type) =>
        scope.Resources().Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToList();

    public static ArmResource SingleOfType(this ArmScope scope, string type) => scope.OfType(type).Single();

    public static string LastSegment(object? name) => ArmEvaluator.Text(name).Split('/')[^1];
}
