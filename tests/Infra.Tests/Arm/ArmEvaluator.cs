using System.Globalization;
using System.Text.Json;

namespace Afirgen.TaskProcessor.Infra.Tests.Arm;

/// <summary>
/// Evaluates parsed ARM expressions in a scope. Functions whose result is only known at deployment
/// time yield <see cref="Unknown"/>; a function it does not know throws, so that no test passes
/// on a misread template.
/// </summary>
public sealed class ArmEvaluator(ArmScope scope, ArmContext context)
{
    public object? Evaluate(ArmNode node) => node switch
    {
        ArmLiteral literal => literal.Value,
        ArmMember member => Member(Evaluate(member.Target), member.Name),
        ArmIndex index => Index(Evaluate(index.Target), Evaluate(index.Index)),
        ArmCall call => Call(call),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private object? Call(ArmCall call)
    {
        var name = call.Name.ToLowerInvariant();
        switch (name)
        {
            case "if":
                return Evaluate(call.Arguments[0]) switch
                {
                    true => Evaluate(call.Arguments[1]),
                    false => Evaluate(call.Arguments[2]),
                    _ => Unknown.Instance,
                };
            case "lambda":
                var names = call.Arguments.Take(call.Arguments.Count - 1).Select(a => (string)Evaluate(a)!).ToList();
                return new ArmLambda(names, call.Arguments[^1], context.LambdaVariables);
        }

        var args = call.Arguments.Select(Evaluate).ToList();
        switch (name)
        {
            case "parameters": return scope.Parameter((string)args[0]!);
            case "variables": return scope.Variable((string)args[0]!);
            case "lambdavariables": return context.LambdaVariables[(string)args[0]!];
            case "copyindex": return CopyIndex(args);
            case "true": return true;
            case "false": return false;
            case "null": return null;
            case "json": return args[0] is "null" ? null : Convert(JsonDocument.Parse((string)args[0]!).RootElement);
            case "environment":
                return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
                {
                    ["name"] = "AzureCloud",
                    ["suffixes"] = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { ["storage"] = "core.windows.net" },
                };
            case "reference" or "uniquestring" or "guid" or "newguid" or "utcnow" or "subscription" or "tenant"
                or "resourcegroup" or "deployment" or "managementgroup":
                return Unknown.Instance;
            case "subscriptionresourceid":
                return $"/subscriptions/{Unknown.Marker}/providers/{Text(args[0])}/{string.Join('/', args.Skip(1).Select(Text))}";
            case "resourceid":
                return $"/subscriptions/{Unknown.Marker}/resourceGroups/{Unknown.Marker}/providers/{Text(args[0])}/{string.Join('/', args.Skip(1).Select(Text))}";
            case "extensionresourceid":
                return $"{Text(args[0])}/providers/{Text(args[1])}/{string.Join('/', args.Skip(2).Select(Text))}";
        }

        if (args.Any(a => a is Unknown) && name is not ("createobject" or "createarray" or "concat" or "format" or "union" or "coalesce" or "map" or "length" or "empty"))
        {
            return Unknown.Instance;
        }

        return name switch
        {
            "format" => string.Format(CultureInfo.InvariantCulture, Text(args[0]), args.Skip(1).Select(Text).ToArray<object?>()),
            "concat" => args.Count > 0 && args[0] is List<object?>
                ? args.SelectMany(a => (List<object?>)a!).ToList()
                : string.Concat(args.Select(Text)),
            "string" => Text(args[0]),
            "tolower" => ((string)args[0]!).ToLowerInvariant(),
            "toupper" => ((string)args[0]!).ToUpperInvariant(),
            "replace" => ((string)args[0]!).Replace((string)args[1]!, (string)args[2]!, StringComparison.Ordinal),
            "split" => ((string)args[0]!).Split((string)args[1]!).Cast<object?>().ToList(),
            "join" => string.Join((string)args[1]!, ((List<object?>)args[0]!).Select(Text)),
            "add" => (long)args[0]! + (long)args[1]!,
            "sub" => (long)args[0]! - (long)args[1]!,
            "mul" => (long)args[0]! * (long)args[1]!,
            "div" => (long)args[0]! / (long)args[1]!,
            "not" => !(bool)args[0]!,
            "and" => args.All(a => (bool)a!),
            "or" => args.Any(a => (bool)a!),
            "equals" => DeepEquals(args[0], args[1]),
            "greater" => (long)args[0]! > (long)args[1]!,
            "less" => (long)args[0]! < (long)args[1]!,
            "greaterorequals" => (long)args[0]! >= (long)args[1]!,
            "lessorequals" => (long)args[0]! <= (long)args[1]!,
            "contains" => Contains(args[0], args[1]),
            "empty" => args[0] switch
            {
                null => true,
                string s => s.Length == 0,
                List<object?> l => l.Count == 0,
                Dictionary<string, object?> d => d.Count == 0,
                _ => Unknown.Instance,
            },
            "length" => args[0] switch
            {
                string s => (long)s.Length,
                List<object?> l => (long)l.Count,
                Dictionary<string, object?> d => (long)d.Count,
                _ => Unknown.Instance,
            },
            "first" => args[0] is List<object?> l ? l[0] : ((string)args[0]!)[..1],
            "last" => args[0] is List<object?> l ? l[^1] : ((string)args[0]!)[^1..],
            "take" => args[0] is List<object?> l
                ? l.Take((int)(long)args[1]!).ToList()
                : new string(((string)args[0]!).Take((int)(long)args[1]!).ToArray()),
            "skip" => args[0] is List<object?> l
                ? l.Skip((int)(long)args[1]!).ToList()
                : new string(((string)args[0]!).Skip((int)(long)args[1]!).ToArray()),
            "range" => Enumerable.Range((int)(long)args[0]!, (int)(long)args[1]!).Select(i => (object?)(long)i).ToList(),
            "cidrsubnet" => CidrSubnet((string)args[0]!, (int)(long)args[1]!, (int)(long)args[2]!),
            "createarray" => args,
            "createobject" => Enumerable.Range(0, args.Count / 2).ToDictionary(
                i => (string)args[2 * i]!, i => args[2 * i + 1], StringComparer.OrdinalIgnoreCase),
            "union" => Union(args),
            "coalesce" => args.FirstOrDefault(a => a is not null),
            "tryget" => TryGet(args[0], args.Skip(1)),
            "flatten" => ((List<object?>)args[0]!).SelectMany(a => (List<object?>)a!).ToList(),
            "map" => ((List<object?>)args[0]!).Select((item, i) => Apply((ArmLambda)args[1]!, item, (long)i)).ToList(),
            "filter" => ((List<object?>)args[0]!).Where((item, i) => Apply((ArmLambda)args[1]!, item, (long)i) is true).ToList(),
            _ => throw new NotSupportedException($"ARM function '{call.Name}' is not known to the test evaluator."),
        };
    }

    /// <summary>ARM's cidrSubnet(network, newCIDR, index) for IPv4: the index-th subnet of that size within the network.</summary>
    private static string CidrSubnet(string network, int newPrefix, int index)
    {
        var slash = network.IndexOf('/');
        var bytes = System.Net.IPAddress.Parse(network[..slash]).GetAddressBytes();
        var prefix = int.Parse(network[(slash + 1)..], CultureInfo.InvariantCulture);
        if (bytes.Length != 4 || newPrefix < prefix || newPrefix > 32 || index < 0 || (long)index >= 1L << (newPrefix - prefix))
        {
            throw new InvalidOperationException($"cidrSubnet('{network}', {newPrefix}, {index}) is not a subnet ARM would give.");
        }
        var value = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
        value &= prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        value += (uint)index << (32 - newPrefix);
        return $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{newPrefix}";
    }

    private object? CopyIndex(List<object?> args)
    {
        var loop = args.OfType<string>().FirstOrDefault() ?? string.Empty;
        var offset = args.OfType<long>().FirstOrDefault();
        return context.CopyIndexes[loop] + offset;
    }

    private object? Apply(ArmLambda lambda, object? item, long index)
    {
        var variables = new Dictionary<string, object?>(lambda.Captured, StringComparer.OrdinalIgnoreCase) { [lambda.Names[0]] = item };
        if (lambda.Names.Count > 1) variables[lambda.Names[1]] = index;
        return new ArmEvaluator(scope, context.WithLambdaVariables(variables)).Evaluate(lambda.Body);
    }

    private static object? Member(object? target, string name) => target switch
    {
        Unknown => Unknown.Instance,
        Dictionary<string, object?> d => d.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"No member '{name}'."),
        _ => throw new InvalidOperationException($"Cannot read '{name}' of {target ?? "null"}."),
    };

    private static object? Index(object? target, object? index) => (target, index) switch
    {
        (Unknown, _) or (_, Unknown) => Unknown.Instance,
        (List<object?> l, long i) => l[(int)i],
        (Dictionary<string, object?> d, string key) => d.TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"No member '{key}'."),
        _ => throw new InvalidOperationException($"Cannot index {target} with {index}."),
    };

    private static object? TryGet(object? target, IEnumerable<object?> path)
    {
        foreach (var step in path)
        {
            target = (target, step) switch
            {
                (Unknown, _) => Unknown.Instance,
                (Dictionary<string, object?> d, string key) => d.TryGetValue(key, out var v) ? v : null,
                (List<object?> l, long i) => i < l.Count ? l[(int)i] : null,
                _ => null,
            };
        }
        return target;
    }

    private static object? Union(List<object?> args)
    {
        if (args.All(a => a is Dictionary<string, object?>))
        {
            var merged = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var d in args.Cast<Dictionary<string, object?>>())
            {
                foreach (var (k, v) in d) merged[k] = v;
            }
            return merged;
        }
        if (args.All(a => a is List<object?>))
        {
            var result = new List<object?>();
            foreach (var item in args.Cast<List<object?>>().SelectMany(l => l))
            {
                if (!result.Any(r => DeepEquals(r, item))) result.Add(item);
            }
            return result;
        }
        return Unknown.Instance;
    }

    private static object? Contains(object? container, object? item) => container switch
    {
        List<object?> l => l.Any(x => DeepEquals(x, item)),
        string s => s.Contains((string)item!, StringComparison.Ordinal),
        Dictionary<string, object?> d => d.ContainsKey((string)item!),
        _ => Unknown.Instance,
    };

    public static bool DeepEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (string x, string y) => string.Equals(x, y, StringComparison.OrdinalIgnoreCase),
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => DeepEquals(p.First, p.Second)),
        (Dictionary<string, object?> x, Dictionary<string, object?> y) =>
            x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && DeepEquals(p.Value, v)),
        _ => Equals(a, b),
    };

    /// <summary>How ARM turns a value into text (string(), format(), concat()).</summary>
    public static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        Unknown => Unknown.Marker,
        _ => JsonSerializer.Serialize(value),
    };

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value), StringComparer.OrdinalIgnoreCase),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetInt64(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
