using System.Globalization;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Infra.Tests.Arm;

/// <summary>Copy-loop indexes and lambda variables in force while evaluating an expression.</summary>
public sealed record ArmContext(
    IReadOnlyDictionary<string, int> CopyIndexes,
    IReadOnlyDictionary<string, object?> LambdaVariables)
{
    public static readonly ArmContext Empty = new(
        new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase),
        new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase));

    public ArmContext WithCopyIndex(string? loopName, int index)
    {
        var indexes = new Dictionary<string, int>(CopyIndexes, StringComparer.OrdinalIgnoreCase) { [string.Empty] = index };
        if (loopName is not null) indexes[loopName] = index;
        return this with { CopyIndexes = indexes };
    }

    public ArmContext WithLambdaVariables(IReadOnlyDictionary<string, object?> variables)
    {
        var merged = new Dictionary<string, object?>(LambdaVariables, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables) merged[name] = value;
        return this with { LambdaVariables = merged };
    }
}

/// <summary>
/// One compiled ARM template with its parameter values: evaluates parameters, variables, resources
/// and nested deployments (Bicep modules) the way Resource Manager would, as far as values are known
/// before deployment. Values: string, long, bool, null, List&lt;object?&gt;, Dictionary&lt;string, object?&gt;,
/// or <see cref="Unknown"/>.
/// </summary>
public sealed class ArmScope
{
    private readonly Dictionary<string, object?> _parameterValues;
    private readonly Dictionary<string, object?> _variableCache = new(StringComparer.OrdinalIgnoreCase);

    public ArmScope(JsonElement template, IReadOnlyDictionary<string, object?> parameterValues)
    {
        Template = template;
        _parameterValues = new Dictionary<string, object?>(parameterValues, StringComparer.OrdinalIgnoreCase);
    }

    public JsonElement Template { get; }

    public object? Parameter(string name)
    {
        if (_parameterValues.TryGetValue(name, out var value)) return value;
        var definition = Property(Template.GetProperty("parameters"), name)
            ?? throw new KeyNotFoundException($"Template has no parameter '{name}'.");
        if (Property(definition, "defaultValue") is not { } defaultValue)
        {
            throw new InvalidOperationException($"Parameter '{name}' has no value and no default.");
        }
        value = Evaluate(defaultValue, ArmContext.Empty);
        _parameterValues[name] = value;
        return value;
    }

    public object? Variable(string name)
    {
        if (_variableCache.TryGetValue(name, out var cached)) return cached;
        var variables = Template.GetProperty("variables");
        object? value;
        if (Property(variables, name) is { } definition)
        {
            value = Evaluate(definition, ArmContext.Empty);
        }
        else
        {
            var loop = Property(variables, "copy")?.EnumerateArray()
                .FirstOrDefault(c => string.Equals(c.GetProperty("name").GetString(), name, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyNotFoundException($"Template has no variable '{name}'.");
            var count = Convert.ToInt32(Evaluate(loop.GetProperty("count"), ArmContext.Empty), CultureInfo.InvariantCulture);
            var items = new List<object?>();
            for (var i = 0; i < count; i++)
            {
                items.Add(Evaluate(loop.GetProperty("input"), ArmContext.Empty.WithCopyIndex(name, i)));
            }
            value = items;
        }
        _variableCache[name] = value;
        return value;
    }

    /// <summary>Every resource instance (copy loops expanded, false conditions dropped).</summary>
    public IEnumerable<ArmResource> Resources()
    {
        var resources = Template.GetProperty("resources");
        var entries = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => (Symbol: p.Name, Element: p.Value))
            : resources.EnumerateArray().Select(e => (Symbol: (string?)null ?? string.Empty, Element: e));
        foreach (var (symbol, element) in entries)
        {
            if (Property(element, "existing") is { ValueKind: JsonValueKind.True }) continue;
            var contexts = new List<ArmContext>();
            if (Property(element, "copy") is { } copy)
            {
                var loopName = copy.GetProperty("name").GetString();
                var count = Convert.ToInt32(Evaluate(copy.GetProperty("count"), ArmContext.Empty), CultureInfo.InvariantCulture);
                for (var i = 0; i < count; i++) contexts.Add(ArmContext.Empty.WithCopyIndex(loopName, i));
            }
            else
            {
                contexts.Add(ArmContext.Empty);
            }
            foreach (var context in contexts)
            {
                if (Property(element, "condition") is { } condition && Evaluate(condition, context) is false) continue;
                yield return new ArmResource(this, symbol, element, context);
            }
        }
    }

    public object? Evaluate(JsonElement value, ArmContext context) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(
            p => p.Name, p => Evaluate(p.Value, context), StringComparer.OrdinalIgnoreCase),
        JsonValueKind.Array => value.EnumerateArray().Select(e => Evaluate(e, context)).ToList(),
        JsonValueKind.String => EvaluateString(value.GetString()!, context),
        JsonValueKind.Number => value.GetInt64(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private object? EvaluateString(string text, ArmContext context)
    {
        if (ArmExpression.IsExpression(text)) return new ArmEvaluator(this, context).Evaluate(ArmExpression.Parse(text));
        return text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;
    }

    internal static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object) return null;
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)) return property.Value;
        }
        return null;
    }
}

/// <summary>One resource instance of a template.</summary>
public sealed class ArmResource(ArmScope scope, string symbol, JsonElement element, ArmContext context)
{
    public string Symbol { get; } = symbol;
    public JsonElement Element { get; } = element;
    public string Type => Element.GetProperty("type").GetString()!;
    public object? Name => scope.Evaluate(Element.GetProperty("name"), context);

    /// <summary>The evaluated value of a top-level member such as "properties", "sku" or "tags".</summary>
    public object? Get(string member) =>
        ArmScope.Property(Element, member) is { } value ? scope.Evaluate(value, context) : null;

    public Dictionary<string, object?> Properties => (Dictionary<string, object?>)Get("properties")!;

    /// <summary>For a Microsoft.Resources/deployments resource (a Bicep module): the module's own scope.</summary>
    public ArmScope Module() => Module(new Dictionary<string, object?>());

    /// <summary>
    /// The module's scope with some parameters given other values: for a value known only at deployment
    /// (a subnet id from another module's output), to see what the module makes of a concrete one.
    /// </summary>
    public ArmScope Module(IReadOnlyDictionary<string, object?> overrides)
    {
        if (!string.Equals(Type, "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{Symbol} is a {Type}, not a module.");
        }
        var properties = Element.GetProperty("properties");
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (ArmScope.Property(properties, "parameters") is { } parameters)
        {
            foreach (var parameter in parameters.EnumerateObject())
            {
                // Usually { "value": … }; a conditional value compiles to one expression that makes that object.
                values[parameter.Name] = parameter.Value.ValueKind == JsonValueKind.String
                    ? ((Dictionary<string, object?>)scope.Evaluate(parameter.Value, context)!)["value"]
                    : scope.Evaluate(parameter.Value.GetProperty("value"), context);
            }
        }
        foreach (var (name, value) in overrides) values[name] = value;
        return new ArmScope(properties.GetProperty("template"), values);
    }

    /// <summary>The raw (unevaluated) JSON text of the resource, for checks on what the template says.</summary>
    public string RawText => Element.GetRawText();
}
