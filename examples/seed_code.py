# ruff: noqa: W291, W293  (the lessons' whitespace is kept, byte for byte)
"""The lessons' own NumPy code, verbatim, each cell run in a namespace of its own.

Every entry of :data:`CELLS` is one notebook cell of ``shared/seeds/<file>.txt`` copied
character for character (tabs, spacing, comments, the bugs) minus the lines that only
print a demo. Each cell is executed in its own namespace, as it ran in the notebook, so
that two cells defining ``entropy`` or ``cross_entropy`` do not collide and no name has to
be changed. :func:`cell` returns that namespace; ``examples/seeds_plugin.py`` binds what
is in it. Tracebacks name the cell (``<seed 000 In[9]>``) and show its line.
"""

from __future__ import annotations

import linecache
from typing import Any

__all__ = ["CELLS", "cell"]

# (seed file prefix, notebook cell) -> source, exactly as the lesson wrote it.
CELLS: dict[tuple[str, str], str] = {}

# shared/seeds/000_3423a7568a1bc2bb.txt, "Binary Cross Entropy in Numpy"
CELLS["000", "In[2]"] = """\
import numpy as np

def binary_cross_entropy_loss(y_pred, y):
    return (-y * np.log(y_pred) - (1 - y) * np.log(1 - y_pred)).mean()
"""

# shared/seeds/000_3423a7568a1bc2bb.txt, "Review of Entropy" (nan at p = 0, In[8])
CELLS["000", "In[7]"] = """\
import numpy as np

def entropy(p):
    H = np.array([-p[i]*np.log2(p[i]) for i in range(len(p))]).sum()
    return H
"""

# shared/seeds/000_3423a7568a1bc2bb.txt, "So we should modify our entropy implementation"
CELLS["000", "In[9]"] = """\
import numpy as np

eps = 1e-6

def entropy(p):
    H = np.array([-p[i]*np.log2(np.clip(p[i], eps, 1-eps)) for i in range(len(p))]).sum()
    return H
"""

# shared/seeds/000_3423a7568a1bc2bb.txt, "Cross Entropy in Numpy"
CELLS["000", "In[11]"] = """\
import numpy as np

eps = 1e-6

def cross_entropy(p, q):
\t#return -sum([p[i]*np.log(q[i]) for i in range(len(p))])
#     print([np.clip(q[i], eps, 1-eps) for i in range(len(p))])
    return -sum([p[i]*np.log(np.clip(q[i], eps, 1-eps)) for i in range(len(p))])
"""

# shared/seeds/000_3423a7568a1bc2bb.txt, "Cross Entropy in Scipy" (it is KL, not CE)
CELLS["000", "In[12]"] = """\
from scipy.stats import entropy

def cross_entropy_via_scipy(x, y):
        ''' SEE: https://en.wikipedia.org/wiki/Cross_entropy'''
        return  entropy(x, y)
"""

# shared/seeds/000_3423a7568a1bc2bb.txt, "Resource" (KL, entropy, cross-entropy in bits)
CELLS["000", "In[None]"] = """\
from math import log2
 
# calculate the kl divergence KL(P || Q)
def kl_divergence(p, q):
\treturn sum(p[i] * log2(p[i]/q[i]) for i in range(len(p)))
 
# calculate entropy H(P)
def entropy(p):
\treturn -sum([p[i] * log2(p[i]) for i in range(len(p))])
 
# calculate cross entropy H(P, Q)
def cross_entropy(p, q):
\treturn entropy(p) + kl_divergence(p, q)
"""

# shared/seeds/001_08ad35e9163ed895.txt, "Sigmoid Activation Function" (In[1]: numpy as np)
CELLS["001", "In[5]"] = """\
import numpy as np

class Sigmoid():
    
    def __call__(self, x):
        return (1/ 1+np.exp(-x))
    
    def gradient(self, x):
        return self.__call__(x) * (1 - self.__call__(x))
"""

# shared/seeds/001_08ad35e9163ed895.txt, "Softmax Activation Function"
CELLS["001", "In[16]"] = """\
import numpy as np

class Softmax():
    
    def __call__(self, x):
        return np.exp(x)/np.sum(np.exp(x), axis = 1, keepdims=True)
    
    def gradient(self, x):
        p = self.__call__(x)
        return p * (1-p)
"""

# shared/seeds/001_08ad35e9163ed895.txt, "ReLu Activation Function"
CELLS["001", "In[21]"] = """\
import numpy as np

class ReLu:
    def __call__(self, x):
        return np.where(x>=0, x, 0)
    
    def gradient(self, x):
        return np.where(x>=0, 1, 0)
"""

# shared/seeds/001_08ad35e9163ed895.txt, Leaky ReLU
CELLS["001", "In[25]"] = """\
import numpy as np

class Leaky_ReLu:
    def __init__(self, alpha = 0.01):
        self.alpha = alpha
        
    def __call__(self, x):
        return np.where(x>=0, x, self.alpha*x)
    
    def gradient(self, x):
        return np.where(x>=0, 1, self.alpha)
"""

# shared/seeds/001_08ad35e9163ed895.txt, "Tanh Activation Function"
CELLS["001", "In[27]"] = """\
import numpy as np

class TanH():
    def __call__(self, x):
        return 2 / (1 + np.exp(-2*x)) - 1

    def gradient(self, x):
        return 1 - np.power(self.__call__(x), 2)
"""

# shared/seeds/002_93daf32d32c0dbbb.txt, "An initial problem" (In[2]: numpy as np)
CELLS["002", "In[10]"] = """\
import numpy as np

def Sum_Log(p, q):
    return - sum(p*np.log(q))
"""

# shared/seeds/003_44b5f5a366a1b26c.txt, "Softmax in numpy"
CELLS["003", "In[2]"] = """\
import numpy as np

def softmax(x):
    # Below is the formula
    return np.exp(x) / np.sum(np.exp(x), axis=0) # Tell it the dimension on which to calculate
"""

# shared/seeds/003_44b5f5a366a1b26c.txt, "Cross-entropy loss in numpy"
CELLS["003", "In[5]"] = """\
import numpy as np

def cross_entropy(actual, predicted):
    # The following is the cross-entropy loss formula
    loss = -np.sum(actual * np.log(predicted))
    return loss # / float(predicted.shape[0]) To normalise it
"""

# shared/seeds/004_1d15d45c7a1ef041.txt, In[19] + In[23] (first Loss classes, In[3]: np)
CELLS["004", "In[23]"] = """\
import numpy as np

class Loss:
    def calculate(self, predictions, targets):
        losses = self.forward(predictions, targets)
        total_loss = np.mean(losses)
        return total_loss

class Loss_CategoricalCrossEntropy(Loss):
    def __init__(self):
        pass
    
    def forward(self, predictions, targets):
        predictions = np.clip(predictions, 1e-7, 1 - 1e-7)
        predictions = -np.log(predictions)
        if len(targets.shape) == 1:
            self.output = predictions[range(len(predictions)), targets]
        
        else:
            predictions = predictions * targets
            self.output = np.sum(predictions, axis=1, keepdims=True)
            
        return self.output
"""

# shared/seeds/004_1d15d45c7a1ef041.txt, In[28] "Reimplementing everying so far"
CELLS["004", "In[28]"] = """\
import numpy as np

class Layer_Dense:
    def __init__(self, n_inputs, n_outputs):
        # use 0.01 to scale down the values
        self.weights = 0.01 * np.random.randn(n_inputs, n_outputs)
        self.biases = np.zeros((1, n_outputs))
    
    def forward(self, X):
        self.output = np.dot(X, self.weights) + self.biases
        return self.output

class Activation_ReLU:
    def __init__(self):
        pass
    def forward(self, X):
        # Returns zero if its less than zero
        self.output =  np.maximum(0, X)
        self.output

class Activation_Softmax:
    def __init__(self):
        pass
    
    def forward(self, X):
        # we need to scale down our exponent values because of exploding exponents
        # we use exponents to remove negative values and convert our values into a probability distribution
        X = X - np.max(X, axis=1, keepdims=True)
        X = np.exp(X)
        self.output = X / np.sum(X, axis=1, keepdims=True)
        return self.output
        
        
class Loss:
    def __init__(self):
        pass
    
    def forward(self, predictions, targets):
        pass
    
    def calculate(self, predictions, targets):
        losses = self.forward(predictions, targets)
        loss = np.mean(losses)
        return loss

class Loss_CategoricalCrossEntropy(Loss):
    def forward(self, predictions, targets):
        # first we need to clip the predictions so that we don't run into errors calculating log of zero
        predictions = np.clip(predictions, 1e-7, 1 - 1e-7)
        # calculate the negative log of all exponents
        predictions = - np.log(predictions)
        
        # dependin on if the targets are one hot encoded or not find 
        # the cross entropy loss
        if (len(targets.shape) == 1):
            self.output = predictions[range(len(predictions)), targets].T # get the transpose, so the results would be the same
        else:
            # perform element wise multiplication (cross product) and get the sum of each row
            self.output = np.sum( predictions * targets , axis=1, keepdims=True)
"""


def cell(seed: str, number: str) -> dict[str, Any]:
    """Run one cell in a fresh namespace and return it (ImportError if it needs scipy)."""
    source = CELLS[seed, number]
    filename = f"<seed {seed} {number}>"
    # Register the source so tracebacks and the suite's messages can show the line.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": f"seed_{seed}"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace
