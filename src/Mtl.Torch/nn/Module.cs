using System.Reflection;
using Mtl.Torch.Modules;

namespace Mtl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// Base class of all network modules (TorchSharp's <c>torch.nn.Module</c>). A module owns its parameters, buffers
        /// and child modules; subclasses create them as fields and call <see cref="RegisterComponents"/> at the end of their
        /// constructor (or register them explicitly with <see cref="register_parameter"/>, <see cref="register_buffer"/>,
        /// <see cref="register_module"/>). Disposing a module disposes everything it owns.
        /// </summary>
        public abstract partial class Module : IDisposable
        {
            private readonly OrderedDictionary<string, Parameter> parameters_ = new(StringComparer.Ordinal);
            private readonly OrderedDictionary<string, Tensor> buffers_ = new(StringComparer.Ordinal);
            private readonly HashSet<string> nonPersistentBuffers = new(StringComparer.Ordinal);
            private readonly OrderedDictionary<string, Module> children_ = new(StringComparer.Ordinal);
            private bool componentsRegistered;
            private bool disposed;

            /// <summary>Creates a module with a name (used in messages).</summary>
            protected Module(string name)
            {
                this.name = name;
            }

            /// <summary>The module's name, as given to the constructor.</summary>
            protected readonly string name;

            /// <summary>The module's name, as given to the constructor.</summary>
            public virtual string GetName() => name;

            /// <summary>True in training mode (the default), false after <see cref="eval"/>.</summary>
            public bool training { get; private set; } = true;

            /// <summary>Sets training mode (affects dropout and batch norm) on this module and all descendants.</summary>
            public virtual void train(bool train = true)
            {
                training = train;
                foreach (Module child in children_.Values) child.train(train);
            }

            /// <summary>Sets evaluation mode: same as <c>train(false)</c>.</summary>
            public void eval() => train(false);

            // ---------------- registration ----------------

            /// <summary>
            /// Registers, by reflection over the fields of this object's class (and its base classes below Module), every
            /// <see cref="Parameter"/> as a parameter, every <see cref="Module"/> as a child, and every other
            /// <see cref="Tensor"/> as a buffer, under the field's name (an auto-property's name for its backing field).
            /// Null fields and names already registered are skipped. Call it at the end of a custom module's constructor.
            /// </summary>
            protected virtual void RegisterComponents()
            {
                if (componentsRegistered) return;
                foreach (FieldInfo field in ComponentFields(GetType()))
                {
                    string fieldName = ComponentName(field);
                    if (parameters_.ContainsKey(fieldName) || buffers_.ContainsKey(fieldName) || children_.ContainsKey(fieldName)) continue;
                    switch (field.GetValue(this))
                    {
                        case Module module:
                            register_module(fieldName, module);
                            break;
                        case Parameter parameter: // before Tensor: a Parameter is a Tensor
                            register_parameter(fieldName, parameter);
                            break;
                        case Tensor tensor:
                            register_buffer(fieldName, tensor);
                            break;
                    }
                }
                componentsRegistered = true;
            }

            private static IEnumerable<FieldInfo> ComponentFields(Type type)
            {
                var chain = new List<Type>();
                for (Type? t = type; t is not null && !IsFrameworkBase(t); t = t.BaseType) chain.Add(t);
                chain.Reverse(); // base-class fields first: they are assigned first
                const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
                return chain.SelectMany(t => t.GetFields(flags));
            }

            private static bool IsFrameworkBase(Type t) =>
                t == typeof(Module) || t == typeof(object) ||
                (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Module<,>) || t.GetGenericTypeDefinition() == typeof(Module<,,>)));

            private static string ComponentName(FieldInfo field)
            {
                if (field.GetCustomAttribute<ComponentNameAttribute>() is { } attribute) return attribute.Name;
                string n = field.Name;
                // An auto-property's backing field is called "<Name>k__BackingField".
                if (n.StartsWith('<') && n.IndexOf('>') is int end and > 1) return n[1..end];
                return n;
            }

            private void CheckNewName(string componentName, string kind)
            {
                ArgumentNullException.ThrowIfNull(componentName);
                if (componentName.Length == 0) throw new ArgumentException($"A {kind} name cannot be empty.", nameof(componentName));
                if (componentName.Contains('.')) throw new ArgumentException($"A {kind} name cannot contain \".\", got \"{componentName}\".", nameof(componentName));
                if (parameters_.ContainsKey(componentName) || buffers_.ContainsKey(componentName) || children_.ContainsKey(componentName))
                    throw new InvalidOperationException($"Module '{name}' already has a component named \"{componentName}\".");
            }

            /// <summary>Adds a parameter under a name (null registers nothing). Names must be new, non-empty and without ".".</summary>
            public virtual void register_parameter(string name, Parameter? param)
            {
                CheckNewName(name, "parameter");
                if (param is null) return;
                ThrowIfDisposed();
                parameters_.Add(name, param);
            }

            /// <summary>
            /// Adds a buffer: state that is not trained but belongs to the module (e.g. batch norm's running mean). The module
            /// takes ownership (the tensor leaves its dispose scope). Persistent buffers are part of <see cref="state_dict"/>.
            /// </summary>
            public virtual void register_buffer(string name, Tensor? tensor, bool persistent = true)
            {
                CheckNewName(name, "buffer");
                if (tensor is null) return;
                ThrowIfDisposed();
                tensor.DetachFromDisposeScope();
                buffers_.Add(name, tensor);
                if (!persistent) nonPersistentBuffers.Add(name);
            }

            /// <summary>Adds a child module (its own fields are registered first). Null registers nothing.</summary>
            public virtual void register_module(string name, Module? submodule)
            {
                CheckNewName(name, "submodule");
                if (submodule is null) return;
                ThrowIfDisposed();
                if (ReferenceEquals(submodule, this)) throw new ArgumentException("A module cannot be its own child.", nameof(submodule));
                submodule.RegisterComponents();
                children_.Add(name, submodule);
            }

            /// <summary>Same as <see cref="register_module"/>.</summary>
            public void add_module(string name, Module submodule) => register_module(name, submodule);

            /// <summary>Replaces (or, with null, removes) a parameter registered under a name; used by layers' property setters.</summary>
            protected void ConditionallyRegisterParameter(string name, Parameter? param)
            {
                if (param is null) parameters_.Remove(name);
                else parameters_[name] = param;
            }

            /// <summary>Replaces (or, with null, removes) a buffer registered under a name.</summary>
            protected void ConditionallyRegisterBuffer(string name, Tensor? tensor)
            {
                if (tensor is null)
                {
                    buffers_.Remove(name);
                    return;
                }
                tensor.DetachFromDisposeScope();
                buffers_[name] = tensor;
            }

            /// <summary>Forgets all child modules (without disposing them); containers use it to re-register after edits.</summary>
            protected void ClearModules() => children_.Clear();

            /// <summary>The parameter registered directly on this module under a name, or null.</summary>
            protected Parameter? GetOwnParameter(string name) => parameters_.TryGetValue(name, out Parameter? p) ? p : null;

            /// <summary>The buffer registered directly on this module under a name, or null.</summary>
            protected Tensor? GetOwnBuffer(string name) => buffers_.TryGetValue(name, out Tensor? b) ? b : null;

            // ---------------- enumeration ----------------

            /// <summary>Parameters with dotted names ("fc1.weight"): this module's first, then each child's; each object once.</summary>
            public virtual IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
            {
                var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
                foreach (var (n, p) in NamedParametersAll(recurse))
                    if (seen.Add(p)) yield return (n, p);
            }

            private IEnumerable<(string, Parameter)> NamedParametersAll(bool recurse)
            {
                foreach (var kv in parameters_) yield return (kv.Key, kv.Value);
                if (!recurse) yield break;
                foreach (var (childName, child) in children_)
                    foreach (var (n, p) in child.NamedParametersAll(true)) yield return ($"{childName}.{n}", p);
            }

            /// <summary>The parameters (see <see cref="named_parameters"/>).</summary>
            public virtual IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(np => np.parameter);

            /// <summary>Buffers with dotted names, this module's first, then each child's; each object once.</summary>
            public virtual IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true)
            {
                var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
                foreach (var (n, b) in NamedBuffersAll(recurse, persistentOnly: false))
                    if (seen.Add(b)) yield return (n, b);
            }

            private IEnumerable<(string, Tensor)> NamedBuffersAll(bool recurse, bool persistentOnly)
            {
                foreach (var kv in buffers_)
                    if (!persistentOnly || !nonPersistentBuffers.Contains(kv.Key)) yield return (kv.Key, kv.Value);
                if (!recurse) yield break;
                foreach (var (childName, child) in children_)
                    foreach (var (n, b) in child.NamedBuffersAll(true, persistentOnly)) yield return ($"{childName}.{n}", b);
            }

            /// <summary>The buffers (see <see cref="named_buffers"/>).</summary>
            public virtual IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(nb => nb.buffer);

            /// <summary>The direct children with their names, in registration order.</summary>
            public virtual IEnumerable<(string name, Module module)> named_children() => children_.Select(kv => (kv.Key, kv.Value));

            /// <summary>The direct children.</summary>
            public virtual IEnumerable<Module> children() => children_.Values;

            /// <summary>All descendants with dotted names (as TorchSharp: not this module itself), parents before their children.</summary>
            public virtual IEnumerable<(string name, Module module)> named_modules()
            {
                foreach (var (childName, child) in children_)
                {
                    yield return (childName, child);
                    foreach (var (n, m) in child.named_modules()) yield return ($"{childName}.{n}", m);
                }
            }

            /// <summary>All descendants (see <see cref="named_modules"/>).</summary>
            public virtual IEnumerable<Module> modules() => named_modules().Select(nm => nm.module);

            /// <summary>The descendant at a dotted path ("encoder.0"); an empty path is this module. Throws when absent.</summary>
            public Module get_submodule(string target)
            {
                ArgumentNullException.ThrowIfNull(target);
                Module current = this;
                if (target.Length == 0) return current;
                foreach (string part in target.Split('.'))
                {
                    if (!current.children_.TryGetValue(part, out Module? next))
                        throw new ArgumentException($"Module '{name}' has no submodule '{target}' ('{current.GetName()}' has no child named '{part}').", nameof(target));
                    current = next;
                }
                return current;
            }

            /// <summary>The parameter at a dotted path ("fc1.weight"). Throws when absent.</summary>
            public Parameter get_parameter(string target)
            {
                var (owner, leaf) = SplitTarget(target);
                return owner.parameters_.TryGetValue(leaf, out Parameter? p) ? p
                    : throw new ArgumentException($"Module '{name}' has no parameter '{target}'.", nameof(target));
            }

            /// <summary>The buffer at a dotted path ("bn.running_mean"). Throws when absent.</summary>
            public Tensor get_buffer(string target)
            {
                var (owner, leaf) = SplitTarget(target);
                return owner.buffers_.TryGetValue(leaf, out Tensor? b) ? b
                    : throw new ArgumentException($"Module '{name}' has no buffer '{target}'.", nameof(target));
            }

            private (Module owner, string leaf) SplitTarget(string target)
            {
                ArgumentNullException.ThrowIfNull(target);
                int dot = target.LastIndexOf('.');
                return dot < 0 ? (this, target) : (get_submodule(target[..dot]), target[(dot + 1)..]);
            }

            /// <summary>Applies fn to every descendant (children first) and then to this module.</summary>
            public virtual Module apply(Action<Module> fn)
            {
                foreach (Module child in children_.Values) child.apply(fn);
                fn(this);
                return this;
            }

            // ---------------- gradients ----------------

            /// <summary>Clears the gradients of all parameters: sets them to null (default) or fills them with zeros.</summary>
            public virtual void zero_grad(bool set_to_none = true)
            {
                foreach (Parameter p in parameters())
                {
                    if (set_to_none)
                    {
                        p.grad = null;
                        continue;
                    }
                    using Tensor? g = p.grad;
                    g?.zero_();
                }
            }

            // ---------------- conversion ----------------

            /// <summary>
            /// Converts the floating-point parameters and buffers to <paramref name="dtype"/> and moves all of them to
            /// <paramref name="device"/> (either may be null = unchanged). The Parameter and buffer objects stay the same
            /// (optimizers built earlier keep working on them); their gradients are dropped when they change. As in PyTorch,
            /// convert before the optimizer has state (its moment buffers keep the old type).
            /// </summary>
            protected internal virtual void _to(Device? device, ScalarType? dtype)
            {
                ThrowIfDisposed();
                device?.EnsureAvailable();
                var done = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
                foreach (Module m in modules().Prepend(this))
                {
                    foreach (Parameter p in m.parameters_.Values)
                        if (done.Add(p)) ConvertInPlace(p, device, dtype);
                    foreach (Tensor b in m.buffers_.Values)
                        if (done.Add(b)) ConvertInPlace(b, device, dtype);
                }
            }

            private static void ConvertInPlace(Tensor t, Device? device, ScalarType? dtype)
            {
                ScalarType current = t.dtype;
                ScalarType target = dtype is { } d && current.IsFloatingPoint() && d.IsFloatingPoint() ? d : current;
                Device place = device is null ? t.device : device;
                if (target == current && place.type == t.device_type && (place.type == DeviceType.CPU || place.index == t.device.index)) return;
                bool requiresGrad = t.requires_grad;
                Tensor converted;
                using (no_grad())
                {
                    using Tensor retyped = t.to_type(target);
                    using Tensor moved = retyped.to(place);
                    converted = moved.detach();
                }
                t.TakeNativeFrom(converted);
                if (requiresGrad) t.requires_grad = true;
            }

            // ---------------- lifetime ----------------

            /// <summary>True once the module was disposed.</summary>
            public bool IsDisposed => disposed;

            /// <summary>Throws ObjectDisposedException when the module was disposed.</summary>
            protected void ThrowIfDisposed()
            {
                if (disposed) throw new ObjectDisposedException(name, $"The module '{name}' was disposed.");
            }

            /// <summary>Disposes the parameters, buffers and child modules this module owns.</summary>
            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            /// <summary>Releases owned native tensors (when disposing) and children.</summary>
            protected virtual void Dispose(bool disposing)
            {
                if (disposed || !disposing) return;
                disposed = true;
                foreach (Module child in children_.Values) child.Dispose();
                foreach (Parameter p in parameters_.Values) p.Dispose();
                foreach (Tensor b in buffers_.Values) b.Dispose();
            }

            /// <inheritdoc />
            public override string ToString() => name;
        }

        /// <summary>A module whose forward takes one argument (TorchSharp's <c>Module&lt;T, TResult&gt;</c>).</summary>
        public abstract class Module<T, TResult> : Module
        {
            private readonly List<(object key, Func<Module<T, TResult>, T, T?> hook)> preHooks = new();
            private readonly List<(object key, Func<Module<T, TResult>, T, TResult, TResult?> hook)> postHooks = new();

            /// <summary>Creates the module with a name.</summary>
            protected Module(string name) : base(name) { }

            /// <summary>The computation of the module (hooks are not run).</summary>
            public abstract TResult forward(T input);

            /// <summary>
            /// Runs the module: pre-hooks, <see cref="forward"/>, then forward hooks (the name TorchSharp users call). A libtorch
            /// error is rethrown with the module's name in front, so nested modules read as a path ("Sequential: Linear: …").
            /// </summary>
            public TResult call(T input)
            {
                ThrowIfDisposed();
                try
                {
                    if (preHooks.Count > 0)
                        foreach (var (_, hook) in preHooks.ToArray()) // a copy: a hook may remove itself
                            if (hook(this, input) is { } replaced) input = replaced;
                    TResult output = forward(input);
                    if (postHooks.Count > 0)
                        foreach (var (_, hook) in postHooks.ToArray())
                            if (hook(this, input, output) is { } replaced) output = replaced;
                    return output;
                }
                catch (TorchException e)
                {
                    throw new TorchException($"{GetName()}: {e.Message}", e);
                }
            }

            /// <summary>Registers a hook run before forward: hook(module, input) may return a replacement input (or null).</summary>
            public HookRemover register_forward_pre_hook(Func<Module<T, TResult>, T, T?> hook)
            {
                ArgumentNullException.ThrowIfNull(hook);
                var key = new object();
                preHooks.Add((key, hook));
                return new HookRemover(() => preHooks.RemoveAll(h => h.key == key));
            }

            /// <summary>Registers a hook run after forward: hook(module, input, output) may return a replacement output (or null).</summary>
            public HookRemover register_forward_hook(Func<Module<T, TResult>, T, TResult, TResult?> hook)
            {
                ArgumentNullException.ThrowIfNull(hook);
                var key = new object();
                postHooks.Add((key, hook));
                return new HookRemover(() => postHooks.RemoveAll(h => h.key == key));
            }
        }

        /// <summary>Removes a registered hook (PyTorch's <c>RemovableHandle</c>).</summary>
        public sealed class HookRemover
        {
            private Action? removal;

            internal HookRemover(Action removal) => this.removal = removal;

            /// <summary>Removes the hook; later calls do nothing.</summary>
            public void remove()
            {
                removal?.Invoke();
                removal = null;
            }
        }

        /// <summary>A module whose forward takes two arguments.</summary>
        public abstract class Module<T1, T2, TResult> : Module
        {
            /// <summary>Creates the module with a name.</summary>
            protected Module(string name) : base(name) { }

            /// <summary>The computation of the module.</summary>
            public abstract TResult forward(T1 input1, T2 input2);

            /// <summary>Runs the module (same as <see cref="forward"/>); libtorch errors get the module's name in front.</summary>
            public TResult call(T1 input1, T2 input2)
            {
                ThrowIfDisposed();
                try
                {
                    return forward(input1, input2);
                }
                catch (TorchException e)
                {
                    throw new TorchException($"{GetName()}: {e.Message}", e);
                }
            }
        }
    }
}

/// <summary>Gives a module field a different component name for <c>RegisterComponents</c> (and so in state_dict keys).</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class ComponentNameAttribute : Attribute
{
    /// <summary>The name to register the field's value under.</summary>
    public string Name { get; set; } = "";
}

/// <summary>Generic conversions of modules that return the module's own type (TorchSharp's <c>ModuleExtensionMethods</c>).</summary>
public static class ModuleExtensionMethods
{
    /// <summary>Moves all parameters and buffers to a device, in place (the same Parameter objects).</summary>
    public static T to<T>(this T module, Device device) where T : torch.nn.Module
    {
        module._to(device, null);
        return module;
    }

    /// <summary>Converts the floating-point parameters and buffers to a type, in place (the same Parameter objects).</summary>
    public static T to<T>(this T module, ScalarType type) where T : torch.nn.Module
    {
        module._to(null, type);
        return module;
    }

    /// <summary>Converts and moves in one step.</summary>
    public static T to<T>(this T module, Device device, ScalarType type) where T : torch.nn.Module
    {
        module._to(device, type);
        return module;
    }

    /// <summary>Moves to the CPU.</summary>
    public static T cpu<T>(this T module) where T : torch.nn.Module => module.to(torch.CPU);

    /// <summary>Moves to a CUDA device (a clear error where CUDA is unavailable).</summary>
    public static T cuda<T>(this T module, int index = -1) where T : torch.nn.Module => module.to(new Device(DeviceType.CUDA, index));

    /// <summary>Converts to float32.</summary>
    public static T @float<T>(this T module) where T : torch.nn.Module => module.to(ScalarType.Float32);

    /// <summary>Converts to float64.</summary>
    public static T @double<T>(this T module) where T : torch.nn.Module => module.to(ScalarType.Float64);
}
