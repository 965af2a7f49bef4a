using Mtl.Torch.Modules;

namespace Mtl.Torch;

public static partial class torch
{
    /// <summary>
    /// Optimizers and learning-rate schedulers (TorchSharp's <c>torch.optim</c>). Optimizers update
    /// <see cref="Parameter"/>s in place from their accumulated <c>grad</c>, with PyTorch's update rules.
    /// </summary>
    public static partial class optim
    {
        /// <summary>
        /// Base class of all optimizers (TorchSharp's <c>torch.optim.Optimizer</c>): parameter groups with their own
        /// hyper-parameters, <see cref="step"/>, <see cref="zero_grad"/>, and state dictionaries. The optimizer owns its
        /// state tensors (moment buffers …); dispose it to release them.
        /// </summary>
        public abstract class Optimizer : IDisposable
        {
            /// <summary>Creates the optimizer shell; derived classes add their parameter groups.</summary>
            protected Optimizer() { }

            /// <summary>
            /// Performs one optimization step (parameter update) from the parameters' current gradients. Parameters
            /// whose <c>grad</c> is null are skipped (and their state does not advance).
            /// </summary>
            /// <param name="closure">Optional: re-evaluates the model and returns the loss (run with gradients enabled, before the update).</param>
            /// <returns>The closure's loss, or null when no closure was given.</returns>
            public abstract Tensor? step(Func<Tensor>? closure = null);

            /// <summary>Clears the gradients of all optimized parameters.</summary>
            /// <param name="set_to_none">True: set each <c>grad</c> to null (frees the memory; the next backward allocates it).
            /// False (default, as libtorch 1.13 and TorchSharp): fill the existing gradients with zeros.</param>
            public abstract void zero_grad(bool set_to_none = false);

            /// <summary>The parameters the optimizer updates, group by group.</summary>
            public abstract IEnumerable<Parameter> parameters();

            /// <summary>
            /// Adds a parameter group; options it leaves unset take the optimizer's defaults. Useful for unfreezing
            /// layers during fine-tuning.
            /// </summary>
            /// <param name="param_group">The group: its parameters and (optionally) its own options.</param>
            public abstract void add_param_group(ParamGroup param_group);

            /// <summary>The parameter groups, as learning-rate controllers (what the schedulers read and write).</summary>
            public abstract IEnumerable<ILearningRateController> ParamGroups { get; }

            /// <summary>
            /// The optimizer's state: one options record per parameter group and one state record per parameter
            /// (step counts, moment buffers), in group order. Like PyTorch, the records are the live ones: later steps
            /// change them. <see cref="load_state_dict(StateDictionary)"/> copies values, so a dictionary can be loaded
            /// into another optimizer over parameters of the same shapes.
            /// </summary>
            public abstract StateDictionary state_dict();

            /// <summary>
            /// Copies hyper-parameters and per-parameter state from <paramref name="state_dict"/> (from an optimizer of the
            /// same kind over the same number of groups and parameters, with the same shapes). A mismatch throws
            /// <see cref="ArgumentException"/> naming what differs, and leaves this optimizer unchanged.
            /// </summary>
            /// <param name="state_dict">A dictionary returned by <see cref="state_dict()"/>.</param>
            public abstract void load_state_dict(StateDictionary state_dict);

            /// <summary>Releases the state tensors.</summary>
            public void Dispose()
            {
                Dispose(true);
                GC.SuppressFinalize(this);
            }

            /// <summary>The .NET dispose pattern: release the state tensors when <paramref name="disposing"/>.</summary>
            protected virtual void Dispose(bool disposing) { }

            /// <summary>
            /// An optimizer's state in memory (TorchSharp's layout rather than PyTorch's dict): the options of each
            /// parameter group, then the state of each parameter in group order.
            /// </summary>
            public sealed class StateDictionary
            {
                internal StateDictionary(List<OptimizerOptions> options, List<OptimizerState> state)
                {
                    Options = options;
                    State = state;
                }

                /// <summary>One options record per parameter group.</summary>
                public List<OptimizerOptions> Options { get; }

                /// <summary>One state record per parameter, in group order.</summary>
                public List<OptimizerState> State { get; }
            }
        }

        /// <summary>What learning-rate schedulers read and write on a parameter group.</summary>
        public interface ILearningRateController
        {
            /// <summary>The learning rate used by the next step.</summary>
            double LearningRate { get; set; }

            /// <summary>The learning rate the schedule starts from (PyTorch's <c>initial_lr</c>).</summary>
            double InitialLearningRate { get; set; }
        }

        /// <summary>Optimizers (and groups) with a momentum factor.</summary>
        public interface IMomentum
        {
            /// <summary>The momentum factor.</summary>
            double Momentum { get; set; }
        }

        /// <summary>Optimizers (and groups) with Adam-style moment coefficients.</summary>
        public interface IBetas
        {
            /// <summary>The coefficients of the running averages of the gradient and of its square.</summary>
            (double, double) Betas { get; set; }
        }
    }
}
